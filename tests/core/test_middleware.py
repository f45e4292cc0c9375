"""Refusals become messages in one place; input no database holds is refused before a query; error pages."""

import logging

import pytest
from django.contrib import messages
from django.core.exceptions import PermissionDenied, SuspiciousOperation, ValidationError
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.urls import path

from civicgrid.workcal.calendar import CalendarNotConfirmed


def refusing(request):
    raise CalendarNotConfirmed(2027)


def field_errors(request):
    raise ValidationError({"reason": "请填写理由", "lead": "请选择主办单位"})


def broken(request):
    raise RuntimeError("a bug")


def forbidden(request):
    raise PermissionDenied("此页面仅限派单员使用")


def suspicious(request):
    raise SuspiciousOperation("too many fields")


def echo(request, pk=None):
    return HttpResponse(f"{pk}: " + ";".join(str(m) for m in messages.get_messages(request)))


urlpatterns = [
    path("refuse/", refusing),
    path("fields/", field_errors),
    path("broken/", broken),
    path("forbidden/", forbidden),
    path("suspicious/", suspicious),
    path("echo/", echo),
    path("echo/<int:pk>/", echo),
]

pytestmark = [pytest.mark.urls(__name__), pytest.mark.django_db]


@pytest.fixture
def client():
    return Client(raise_request_exception=False)


def test_a_get_refused_shows_the_message_on_a_page_with_a_way_back(client):
    response = client.get("/refuse/", HTTP_REFERER="http://testserver/echo/")
    body = response.content.decode()
    assert response.status_code == 400
    assert "2027 年的工作日历尚未确认" in body and "无法办理" in body
    assert 'href="http://testserver/echo/"' in body


def test_a_post_refused_goes_back_to_the_page_it_came_from_with_the_message(client):
    response = client.post("/refuse/", HTTP_REFERER="http://testserver/echo/", follow=True)
    assert response.redirect_chain == [("http://testserver/echo/", 302)]
    assert "2027 年的工作日历尚未确认" in response.content.decode()


def test_a_post_refused_goes_to_next_before_the_referer(client):
    response = client.post("/refuse/", {"next": "/echo/"}, HTTP_REFERER="http://testserver/other/")
    assert response.status_code == 302 and response["Location"] == "/echo/"


def test_a_post_refused_from_another_site_gets_the_page_not_a_redirect(client):
    response = client.post(
        "/refuse/", {"next": "https://evil.example/"}, HTTP_REFERER="https://evil.example/"
    )
    assert response.status_code == 400
    assert "2027 年的工作日历尚未确认" in response.content.decode()
    assert "evil.example" not in response.content.decode()


def test_a_services_field_errors_are_joined_into_the_message(client):
    body = client.get("/fields/").content.decode()
    assert "请填写理由" in body and "请选择主办单位" in body


def test_an_htmx_panel_gets_the_message_in_its_place(client):
    response = client.get("/refuse/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    body = response.content.decode()
    assert body.startswith('<div class="alert alert-danger mb-2">2027 年的工作日历尚未确认')


def test_a_bug_is_a_styled_500_page(client):
    response = client.get("/broken/")
    assert response.status_code == 500
    body = response.content.decode()
    assert "系统出错了" in body and 'href="/"' in body and "a bug" not in body


def test_a_nul_byte_anywhere_in_the_input_is_refused_with_a_400_page(client):
    for response in (
        client.get("/echo/", {"q": "水\x00管"}),
        client.get("/echo/", {"x\x00": "1"}),
        client.post("/echo/", {"note": "\x00"}),
    ):
        assert response.status_code == 400
        assert "空字符" in response.content.decode()


def test_an_id_no_database_holds_is_a_404(client):
    assert client.get("/echo/9223372036854775807/").status_code == 200
    response = client.get("/echo/99999999999999999999/")
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


def test_a_403_is_a_styled_page_logged_in_one_line(client, caplog):
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = client.get("/forbidden/")
    assert response.status_code == 403
    body = response.content.decode()
    assert "无权访问" in body and "此页面仅限派单员使用" in body and "返回上一页" in body
    (record,) = [r for r in caplog.records if r.name == "django.request"]
    assert record.getMessage() == "Forbidden (Permission denied): /forbidden/"
    assert record.exc_info is None


def test_unknown_pages_are_a_styled_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode() and "网上诉求首页" in response.content.decode()


def test_a_request_django_cannot_take_is_a_styled_400(client):
    response = client.get("/suspicious/")
    assert response.status_code == 400
    assert "请求无法处理" in response.content.decode() and "too many fields" not in response.content.decode()


@pytest.mark.django_db
def test_a_request_declaring_a_body_over_the_limit_is_refused_before_it_is_read(client, settings):
    from civicgrid.core.middleware import RequestSizeMiddleware

    settings.CIVICGRID_MAX_REQUEST_MB = 1
    handler = RequestSizeMiddleware(lambda request: pytest.fail("the body must not reach a view"))
    request = RequestFactory().post("/submit/", data=b"x", content_type="application/octet-stream")
    request.META["CONTENT_LENGTH"] = str(2 * 1024 * 1024)
    response = handler(request)
    assert response.status_code == 413
    assert "提交的内容过大（超过 1 MB）" in response.content.decode()
