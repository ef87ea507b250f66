"""Development (`make run`): console email, SQLite and the embedded broker unless told otherwise.

DEBUG stays off unless DEBUG=1 is set, so a newcomer meets Hindsight's own 404 and 500 pages,
not Django's debug pages (which show settings and code to whoever triggers them).
"""

from .base import *  # noqa: F403
from .base import env_bool

DEBUG = env_bool("DEBUG", False)
# With DEBUG off, runserver serves no static files: whitenoise serves them straight from the app
# and project folders, so `make run` needs no collectstatic.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
