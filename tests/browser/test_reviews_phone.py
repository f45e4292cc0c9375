"""述职评议 on a 390 px phone at 100 % and 150 % text: the 组织部's campaigns, a campaign and a reporter's page; a
rater's ballot page (one card per reporter, a button per grade, a vote cast by tapping); 我的述职 of a reporter."""

import pytest

from civicgrid.reviews import services
from tests.browser.layout import assert_fits_phone, set_text_size
from tests.reviews.conftest import ready_campaign, world  # noqa: F401  (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
LONG = "网格党支部覆盖不全，部分新建小区尚未建立党组织，党员作用发挥不充分，需要在年底前逐一落实"


def _password(*users):
    for user in users:
        user.set_password("x-long-password-1")
        user.save()


@pytest.fixture
def review(world):  # noqa: F811
    made = ready_campaign(world)
    services.reporter_comment(actor=world["organiser"], reporter=made["town"], text=LONG)
    services.rectification_add(
        actor=world["organiser"],
        reporter=made["town"],
        problem=LONG,
        measure=LONG,
        responsible="王建国（镇党委书记）",
        due_date=made["campaign"].created_at.date(),
    )
    services.ballot_cast(actor=world["r2"], reporter=made["town"], grade="较好")
    _password(world["organiser"], world["r1"], world["secretary_user"])
    return made


def fits(phone, path, shot):
    page = phone.open(path)
    assert_fits_phone(page)
    set_text_size(page, 150)
    assert_fits_phone(page)
    phone.shot(shot)
    return page


def test_the_organisers_review_pages_fit_a_phone(phone, review):
    phone.login("zzb")
    for path, shot in (
        ("/console/reviews/", "campaigns"),
        (f"/console/reviews/{review['campaign'].pk}/", "campaign"),
        (f"/console/reviews/reporters/{review['town'].pk}/", "reporter"),
    ):
        fits(phone, path, f"phone-reviews-{shot}")


def test_a_rater_votes_on_a_phone(phone, review):
    phone.login("rater1")
    page = fits(phone, f"/console/reviews/{review['campaign'].pk}/ballot/", "phone-reviews-ballot")
    card = page.locator(f"#r-{review['town'].pk}")
    card.get_by_role("button", name="较好").click()
    page.wait_for_load_state()
    assert "已为王建国投票" in page.content()
    assert page.locator(f"#r-{review['town'].pk} [aria-pressed=true]").inner_text() == "较好"
    assert_fits_phone(page)


def test_my_review_fits_a_phone(phone, review):
    phone.login("jjz_sj")
    page = fits(phone, "/console/reviews/mine/", "phone-reviews-mine")
    assert "结果尚未公布" in page.content()
