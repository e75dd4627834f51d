"""The ASGI application: the web process (Procfile ``web``) serves pages, the API and the live stream.

Pages and the API are ordinary sync views; the live stream (kentmasa.notify.stream) is async, so an open
stream uses no CPU and holds no database connection while it waits.
"""

import os
import warnings

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kentmasa.settings")

# Files (whitenoise's static files, attachments) are sync iterators; under ASGI Django reads them in a
# thread and says so on every download. They are bounded (the upload limits), so that is expected here.
warnings.filterwarnings("ignore", message="StreamingHttpResponse must consume synchronous iterators")

application = get_asgi_application()
