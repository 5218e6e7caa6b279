"""Sans-IO HTTP/1.1 for the client side: bytes in, events out; no sockets, no asyncio, no clock.

:class:`ClientCodec` is the one entry point the I/O layer uses; the other
names are the values it takes and gives. Every byte-level behaviour of the
library lives here and is tested without a socket.
"""

from .codec import ClientCodec as ClientCodec
from .events import NEED_DATA as NEED_DATA
from .events import Data as Data
from .events import EndOfMessage as EndOfMessage
from .events import Event as Event
from .events import Informational as Informational
from .events import NeedData as NeedData
from .events import ResponseHead as ResponseHead
from .framing import Chunked as Chunked
from .framing import ContentLength as ContentLength
from .framing import Framing as Framing
from .framing import NoBody as NoBody
from .framing import UntilClose as UntilClose
from .parser import ParserLimits as ParserLimits
from .parser import Profile as Profile
from .state import RECV_TRANSITIONS as RECV_TRANSITIONS
from .state import SEND_TRANSITIONS as SEND_TRANSITIONS
from .state import RecvEvent as RecvEvent
from .state import RecvState as RecvState
from .state import SendEvent as SendEvent
from .state import SendState as SendState

__all__ = [
    "NEED_DATA",
    "RECV_TRANSITIONS",
    "SEND_TRANSITIONS",
    "Chunked",
    "ClientCodec",
    "ContentLength",
    "Data",
    "EndOfMessage",
    "Event",
    "Framing",
    "Informational",
    "NeedData",
    "NoBody",
    "ParserLimits",
    "Profile",
    "RecvEvent",
    "RecvState",
    "ResponseHead",
    "SendEvent",
    "SendState",
    "UntilClose",
]
