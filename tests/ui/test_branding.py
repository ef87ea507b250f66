from django.contrib.staticfiles import finders


def test_every_page_names_a_favicon_that_exists(client_for, viewer):
    response = client_for(viewer).get("/")
    assert b'rel="icon" href="/static/img/favicon.svg"' in response.content
    assert finders.find("img/favicon.svg")


def test_the_notification_bell_is_drawn_without_an_emoji_font(client_for, viewer):
    response = client_for(viewer).get("/")
    html = response.content.decode()
    assert 'class="bell-icon"' in html
    assert "&#128276;" not in html
