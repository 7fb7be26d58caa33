"""Check digits for the identifiers in the master data: IBANs and VAT ids.

The seed script makes up bank accounts and tax ids; computing their real check
digits keeps them valid, so any IBAN or VAT validator downstream accepts them.
"""

from __future__ import annotations

import re


def iban(country: str, bban: str) -> str:
    """The IBAN for a national account number (BBAN), with its ISO 13616 check digits."""
    rearranged = _letters_to_digits(bban + country + "00")
    check = 98 - int(rearranged) % 97
    return f"{country}{check:02d}{bban}"


def iban_is_valid(value: str) -> bool:
    compact = value.replace(" ", "").upper()
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{10,30}", compact):
        return False
    return int(_letters_to_digits(compact[4:] + compact[:4])) % 97 == 1


def _letters_to_digits(text: str) -> str:
    return "".join(str(int(ch, 36)) for ch in text)


def fr_rib_key(bank: str, branch: str, account: str) -> str:
    """The two-digit key ending a French RIB (account number given as digits)."""
    return f"{97 - (89 * int(bank) + 15 * int(branch) + 3 * int(account)) % 97:02d}"


def es_account_check(bank: str, branch: str, account: str) -> str:
    """The two control digits (DC) of a Spanish CCC account number."""
    weights = (1, 2, 4, 8, 5, 10, 9, 7, 3, 6)

    def digit(ten: str) -> str:
        value = 11 - sum(int(d) * w for d, w in zip(ten, weights, strict=True)) % 11
        return str({11: 0, 10: 1}.get(value, value))

    return digit("00" + bank + branch) + digit(account)


def nl_account_is_valid(account: str) -> bool:
    """The Dutch "elfproef": digits weighted 10..1 sum to a multiple of 11."""
    return sum(int(d) * w for d, w in zip(account, range(10, 0, -1), strict=True)) % 11 == 0


def de_vat_check(first8: str) -> str:
    """The ninth digit of a German USt-IdNr (ISO 7064 MOD 11,10)."""
    product = 10
    for d in first8:
        total = (int(d) + product) % 10 or 10
        product = (2 * total) % 11
    return str((11 - product) % 10)


def fr_vat_key(siren: str) -> str:
    return f"{(12 + 3 * (int(siren) % 97)) % 97:02d}"


def luhn_check(digits: str) -> str:
    """The Luhn digit that completes ``digits`` (a SIREN is 8 digits + this)."""
    total = 0
    for i, d in enumerate(reversed(digits)):
        n = int(d) * (2 if i % 2 == 0 else 1)
        total += n - 9 if n > 9 else n
    return str((10 - total % 10) % 10)


def es_cif_check(seven: str) -> str:
    """The control digit of a Spanish company tax id (CIF) for letters A, B, E, H."""
    total = 0
    for i, d in enumerate(seven):
        if i % 2 == 0:  # odd positions counting from one are doubled
            doubled = int(d) * 2
            total += doubled // 10 + doubled % 10
        else:
            total += int(d)
    return str((10 - total % 10) % 10)


def nl_vat_is_valid(number9: str) -> bool:
    """The classic 11-test of a Dutch VAT number's nine digits."""
    weighted = sum(int(d) * w for d, w in zip(number9[:8], range(9, 1, -1), strict=True))
    return weighted % 11 == int(number9[8])


def gb_vat_check(seven: str) -> str:
    """The two check digits of a UK VAT number (weights 8..2, modulus 97)."""
    weighted = sum(int(d) * w for d, w in zip(seven, range(8, 1, -1), strict=True))
    return f"{-weighted % 97:02d}"
