"""The Control Room: a web app for the exception queue, monitoring and metrics.

AP clerks work the queue of FAILED items (validation view, corrections,
approve/reject/retry/done); supervisors watch the process overview, item
histories and ``/metrics``; administrators manage users and API tokens.

    workitems room create-admin --db URL     # the first administrator
    workitems room serve --db URL --port 8080

Build the ASGI app yourself with :func:`create_app`.
"""

from workitems.room.app import create_app
from workitems.room.auth import RoomSettings

__all__ = ["RoomSettings", "create_app"]
