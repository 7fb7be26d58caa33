"""Master data shared by the development ERP and the demo: ``load_master() -> Master``."""

from devdata.master.load import MasterDataError, load_master
from devdata.master.models import Address, GoodsReceipt, Master, PoLine, PurchaseOrder, Vendor

__all__ = [
    "Address",
    "GoodsReceipt",
    "Master",
    "MasterDataError",
    "PoLine",
    "PurchaseOrder",
    "Vendor",
    "load_master",
]
