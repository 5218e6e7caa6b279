"""aiohttpcore: an asyncio-native, connection-pooling HTTP/1.1 client.

This module is the public API and nothing else: every name a user may rely
on is imported here as ``from .x import Name as Name`` (the explicit
re-export form type checkers honour) and listed in ``__all__``, sorted as
ruff sorts it. Anything not listed is private and may change without
notice. ``tests/test_public_api.py`` checks the two agree. Status codes are
:class:`http.HTTPStatus` and methods may be :class:`http.HTTPMethod`; both
are re-exported so callers need one import.
"""

from .connection import BodyFollowing as BodyFollowing
from .connection import HTTPConnection as HTTPConnection
from .connection import HTTPSConnection as HTTPSConnection
from .exceptions import BadStatusLine as BadStatusLine
from .exceptions import CannotSendHeader as CannotSendHeader
from .exceptions import CannotSendRequest as CannotSendRequest
from .exceptions import ConnectError as ConnectError
from .exceptions import ConnectionClosed as ConnectionClosed
from .exceptions import ConnectTimeout as ConnectTimeout
from .exceptions import DecodingError as DecodingError
from .exceptions import ExcessBodyData as ExcessBodyData
from .exceptions import FramingError as FramingError
from .exceptions import HeadTooLarge as HeadTooLarge
from .exceptions import HTTPException as HTTPException
from .exceptions import ImproperConnectionState as ImproperConnectionState
from .exceptions import IncompleteRead as IncompleteRead
from .exceptions import InsecureRequestWarning as InsecureRequestWarning
from .exceptions import InvalidHeader as InvalidHeader
from .exceptions import InvalidRequest as InvalidRequest
from .exceptions import InvalidResponse as InvalidResponse
from .exceptions import InvalidURL as InvalidURL
from .exceptions import LimitExceeded as LimitExceeded
from .exceptions import LineTooLong as LineTooLong
from .exceptions import NetworkError as NetworkError
from .exceptions import NotConnected as NotConnected
from .exceptions import PoolClosed as PoolClosed
from .exceptions import PoolTimeout as PoolTimeout
from .exceptions import ProxyError as ProxyError
from .exceptions import ReadError as ReadError
from .exceptions import ReadTimeout as ReadTimeout
from .exceptions import ResponseNotReady as ResponseNotReady
from .exceptions import StateError as StateError
from .exceptions import TLSError as TLSError
from .exceptions import TooManyHeaders as TooManyHeaders
from .exceptions import UnknownProtocol as UnknownProtocol
from .exceptions import UnknownTransferEncoding as UnknownTransferEncoding
from .exceptions import UnsupportedResponse as UnsupportedResponse
from .exceptions import WriteError as WriteError
from .exceptions import WriteTimeout as WriteTimeout
from .exceptions import is_temp_network_error as is_temp_network_error
from .headers import CaseInsensitiveDict as CaseInsensitiveDict
from .headers import Headers as Headers
from .headers import HeaderTypes as HeaderTypes
from .pool import ConnectionPool as ConnectionPool
from .pool import OriginStats as OriginStats
from .pool import PoolStats as PoolStats
from .pool import TraceEvent as TraceEvent
from .response import Response as Response
from .retry import Retry as Retry
from .status import HTTPMethod as HTTPMethod
from .status import HTTPStatus as HTTPStatus
from .timeouts import Timeout as Timeout
from .url import URL as URL
from .url import parse_url as parse_url

__version__ = "0.1.0.dev0"

__all__ = [
    "URL",
    "BadStatusLine",
    "BodyFollowing",
    "CannotSendHeader",
    "CannotSendRequest",
    "CaseInsensitiveDict",
    "ConnectError",
    "ConnectTimeout",
    "ConnectionClosed",
    "ConnectionPool",
    "DecodingError",
    "ExcessBodyData",
    "FramingError",
    "HTTPConnection",
    "HTTPException",
    "HTTPMethod",
    "HTTPSConnection",
    "HTTPStatus",
    "HeadTooLarge",
    "HeaderTypes",
    "Headers",
    "ImproperConnectionState",
    "IncompleteRead",
    "InsecureRequestWarning",
    "InvalidHeader",
    "InvalidRequest",
    "InvalidResponse",
    "InvalidURL",
    "LimitExceeded",
    "LineTooLong",
    "NetworkError",
    "NotConnected",
    "OriginStats",
    "PoolClosed",
    "PoolStats",
    "PoolTimeout",
    "ProxyError",
    "ReadError",
    "ReadTimeout",
    "Response",
    "ResponseNotReady",
    "Retry",
    "StateError",
    "TLSError",
    "Timeout",
    "TooManyHeaders",
    "TraceEvent",
    "UnknownProtocol",
    "UnknownTransferEncoding",
    "UnsupportedResponse",
    "WriteError",
    "WriteTimeout",
    "is_temp_network_error",
    "parse_url",
]
