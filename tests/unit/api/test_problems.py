"""Every domain error has an HTTP status of its own family, and a stable problem body."""

from __future__ import annotations

import orjson

from qrpay.api.problems import MEDIA_TYPE, problem_response, status_for
from qrpay.domain import errors as e


def _all_subclasses(root: type[e.QrpayError]) -> list[type[e.QrpayError]]:
    found, work = [], [root]
    while work:
        klass = work.pop()
        for sub in klass.__subclasses__():
            found.append(sub)
            work.append(sub)
    return found


def test_every_error_class_is_mapped_without_falling_back_to_the_root() -> None:
    unmapped = [k.__name__ for k in _all_subclasses(e.QrpayError) if status_for(k) is None]

    assert unmapped == []


def test_every_mapped_status_is_a_client_or_availability_error() -> None:
    for klass in _all_subclasses(e.QrpayError):
        status = status_for(klass)
        assert status is not None
        assert 400 <= status < 500 or status == 503, klass


def test_problem_body_carries_code_field_and_position_of_a_qr_error() -> None:
    error = e.QrError(e.QrReason.CRC_MISMATCH, "bad CRC", field="63", position=70)

    response = problem_response(error, "/v1/payments")
    body = orjson.loads(response.body)

    assert response.status_code == 422
    assert response.media_type == MEDIA_TYPE
    assert body["code"] == "crc_mismatch"
    assert body["field"] == "63"
    assert body["position"] == 70
    assert body["instance"] == "/v1/payments"


def test_unauthenticated_answers_with_a_bearer_challenge() -> None:
    response = problem_response(e.Unauthenticated("no key"))

    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
