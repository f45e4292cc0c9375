"""`next` and the referer send a person back only to a page of this site."""

import pytest
from django.test import RequestFactory

from civicgrid.core.redirects import safe_next

rf = RequestFactory()


@pytest.mark.parametrize(
    "target",
    ["https://evil.example/x", "//evil.example/x", "javascript:alert(1)", "http://testserver/console/"],
)
def test_other_sites_and_http_from_https_fall_back(target):
    request = rf.post("/x", {"next": target}, secure=True)
    assert safe_next(request, "/console/") == "/console/"


def test_a_page_of_this_site_is_kept_post_before_get():
    request = rf.post("/x?next=/console/b/", {"next": "/console/a/"})
    assert safe_next(request, "/") == "/console/a/"
    assert safe_next(rf.get("/x?next=/console/b/"), "/") == "/console/b/"


def test_the_referer_counts_only_when_asked():
    request = rf.get("/x", headers={"referer": "http://testserver/console/tickets/?page=2"})
    assert safe_next(request, "/") == "/"
    assert safe_next(request, "/", referer=True) == "http://testserver/console/tickets/?page=2"
