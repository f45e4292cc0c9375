"""Issue 10 §5, the portal for everyone: phone numbers, photos kept, plain help, tel links, 适老化."""

import re

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from civicgrid.portal.models import PendingUpload
from civicgrid.registry.models import Place
from civicgrid.tickets.models import Attachment, Ticket
from tests.storage import stored_files

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def photo(name="现场.png"):
    return SimpleUploadedFile(name, PNG, content_type="image/png")


def form(**changes):
    data = {
        "request_type": "TS",
        "content": "小区楼下的烧烤店每天营业到凌晨两点,噪音很大,影响休息。",
        "address": "银海路 12 号",
        "requester_phone": "139 0000 4321",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def media_files(settings) -> list:
    return stored_files()


class TestPhoneNumbers:
    def test_the_seven_digit_typo_of_the_browser_walk_is_refused(self, client, world):
        body = client.post(reverse("portal:submit"), form(requester_phone="1390756")).content.decode()
        assert "请填写正确的手机号码" in body and "11 位" in body
        assert not Ticket.objects.exists()

    def test_a_landline_with_its_area_code_and_a_hong_kong_number_are_accepted(self, client, world):
        assert client.post(reverse("portal:submit"), form(requester_phone="0898-66123456")).status_code == 302
        assert (
            client.post(reverse("portal:submit"), form(requester_phone="+852 9123 4567")).status_code == 302
        )
        assert sorted(Ticket.objects.values_list("requester_phone", flat=True)) == [
            "+85291234567",
            "089866123456",
        ]

    def test_the_console_intake_uses_the_same_rule(self, world):
        import pytest
        from django.core.exceptions import ValidationError

        from civicgrid.tickets import services

        with pytest.raises(ValidationError) as error:
            services.ticket_register(
                actor=world.user("operator"),
                channel="phone",
                request_type="ZX",
                title="咨询",
                content="问社保",
                requester_phone="1390756",
            )
        assert "11 位" in error.value.message_dict["requester_phone"][0]


class TestPhotoSurvivesAnError:
    def test_without_javascript_the_photo_is_kept_and_submitted_after_the_correction(
        self, client, world, settings
    ):
        # Browser walk: the address left out of a 投诉 → 「No file chosen」, and the ticket went in without it.
        response = client.post(reverse("portal:submit"), form(address="", photos=[photo("漏水.png")]))
        body = response.content.decode()
        assert "请填写事发地址" in body and "已保留的照片" in body and "漏水.png" in body
        token = re.search(r'name="pending" value="([^"]+)"', body).group(1)
        assert PendingUpload.objects.get().token == token
        response = client.post(reverse("portal:submit"), form(pending=token))
        assert response.status_code == 302
        attachment = Attachment.objects.get()
        assert attachment.original_name == "漏水.png" and attachment.ticket == Ticket.objects.get()
        assert not PendingUpload.objects.exists()
        assert len(media_files(settings)) == 1  # the ticket's copy only

    def test_unticking_a_kept_photo_leaves_it_out(self, client, world):
        client.post(reverse("portal:submit"), form(address="", photos=[photo()]))
        assert client.post(reverse("portal:submit"), form()).status_code == 302
        assert not Attachment.objects.exists()

    def test_kept_and_new_photos_count_together(self, client, world):
        body = client.post(
            reverse("portal:submit"), form(address="", photos=[photo("1.png"), photo("2.png")])
        ).content.decode()
        tokens = re.findall(r'name="pending" value="([^"]+)"', body)
        body = client.post(
            reverse("portal:submit"), form(pending=tokens, photos=[photo("3.png"), photo("4.png")])
        ).content.decode()
        assert "已保留 2 张" in body and not Ticket.objects.exists()

    def test_an_unknown_token_is_ignored(self, client, world):
        assert client.post(reverse("portal:submit"), form(pending="forged")).status_code == 302
        assert not Attachment.objects.exists()


class TestPlainHelp:
    def test_each_request_type_is_explained_in_one_line(self, client, db):
        body = client.get(reverse("portal:submit")).content.decode()
        help_lines = re.findall(r"<li class=\"mb-1\"><strong>(..)</strong>：([^<]+)</li>", body)
        assert [label for label, _ in help_lines] == ["咨询", "求助", "投诉", "举报", "建议", "表扬"]

    def test_the_address_example_comes_from_the_deployed_city(self, client, world):
        assert "嘉积镇银海路" not in client.get(reverse("portal:submit")).content.decode()
        Place.objects.create(name="椰林春晓", kind=Place.Kind.COMPOUND, grid=world.grids[0])
        body = client.get(reverse("portal:submit")).content.decode()
        community = world.grids[0].community
        assert f"如：{community.parent.name}{community.name}椰林春晓 3 栋" in body

    def test_12345_and_the_emergency_numbers_are_tap_to_call(self, client, db):
        body = client.get(reverse("portal:home")).content.decode()
        for number in ("12345", "110", "119", "120"):
            assert f'href="tel:{number}"' in body


class TestElderMode:
    def test_one_button_turns_it_on_and_off_and_it_is_remembered(self, client, db):
        page = client.get(reverse("portal:submit")).content.decode()
        assert "大字模式（适老化）" in page and '<body class="elder">' not in page
        response = client.post(reverse("portal:elder"), {"on": "1", "next": "/submit/"})
        assert response.status_code == 302 and response["Location"] == "/submit/"
        assert response.cookies["portal_elder"].value == "1"
        page = client.get(reverse("portal:submit")).content.decode()
        assert '<body class="elder">' in page and "退出大字模式" in page
        # Fewer choices: the optional category and the map are hidden in this mode.
        assert '<div class="elder-hide">' in page and 'class="mb-2 elder-hide"' in page
        client.post(reverse("portal:elder"), {"on": "0", "next": "/"})
        assert '<body class="elder">' not in client.get(reverse("portal:home")).content.decode()

    def test_it_never_redirects_elsewhere(self, client, db):
        for target in ("https://evil.example/", "//evil.example/", "-1", ""):
            assert client.post(reverse("portal:elder"), {"on": "1", "next": target})["Location"] == "/"
