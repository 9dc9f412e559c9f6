"""RFC 3161 timestamp client for PAdES B-T and above."""

from __future__ import annotations

from asn1crypto import cms, core, tsp
from pyhanko.sign.timestamps import HTTPTimeStamper, TimestampRequestError
from pyhanko.sign.timestamps.common_utils import handle_tsp_response

__all__ = ["HTTPTimeStamper", "TimestampRefused", "TimestampRequestError", "http_timestamper"]


class TimestampRefused(TimestampRequestError):
    """The TSA answered, and said no (``PKIStatus`` rejection/waiting/revocation)."""


class _TSAClient(HTTPTimeStamper):
    """pyHanko's HTTP client, with errors that name the TSA and the underlying cause.

    pyHanko reports every transport failure as "Error while contacting timestamp
    service" and hides the reason in ``__cause__``; an operator looking at a failed
    signature needs the URL and whether it was a refused connection, a 401 or a timeout.
    """

    async def async_timestamp(self, message_digest: bytes, md_algorithm: str) -> cms.ContentInfo:
        try:
            nonce, req = self.request_cms(message_digest, md_algorithm)
            response = await self.async_request_tsa_response(req)
            _raise_if_refused(self.url, response)
            return handle_tsp_response(response, nonce)
        except TimestampRefused:
            raise
        except TimestampRequestError as exc:
            raise TimestampRequestError(_explain(self.url, exc)) from exc
        except ValueError as exc:
            # asn1crypto rejects a body that is not a TimeStampResp at all.
            raise TimestampRequestError(
                f"timestamp service {self.url} sent an unreadable response: {exc}"
            ) from exc


class _TimeStampRespStatus(core.Sequence):
    # asn1crypto's TimeStampResp insists on a token, which RFC 3161 2.4.2 forbids on a
    # rejection: parsed strictly, every refusal would read as a malformed response.
    _fields = [
        ("status", tsp.PKIStatusInfo),
        ("time_stamp_token", cms.ContentInfo, {"optional": True}),
    ]


def _raise_if_refused(url: str, response: tsp.TimeStampResp) -> None:
    status = _TimeStampRespStatus.load(response.dump())["status"]
    if status["status"].native in ("granted", "granted_with_mods"):
        return
    texts = "; ".join(status["status_string"].native or []) or "no reason given"
    fail = ", ".join(sorted(status["fail_info"].native or [])) or "unspecified"
    raise TimestampRefused(
        f"timestamp service {url} refused the request ({status['status'].native}, "
        f"failInfo {fail}): {texts}"
    )


def _explain(url: str, exc: TimestampRequestError) -> str:
    cause = exc.__cause__
    detail = str(exc) if cause is None else f"{exc}: {type(cause).__name__}: {cause}".rstrip(": ")
    return f"timestamp service {url} failed: {detail}"


def http_timestamper(
    url: str,
    *,
    username: str | None = None,
    password: str | None = None,
    timeout: float = 10,
) -> HTTPTimeStamper:
    """A timestamper for the TSA at ``url`` (HTTP basic auth when ``username`` is given).

    The object holds no connection, so one instance can be shared across signatures and
    threads. Failures raise ``TimestampRequestError`` before any output is written,
    because pyHanko asks the TSA for a size-estimation token first.
    """
    if password is not None and username is None:
        raise ValueError("a TSA password needs a username")
    auth = (username, password or "") if username is not None else None
    return _TSAClient(url, timeout=timeout, auth=auth)
