"""One TLS context per process for outbound HTTP calls (VLM steps, webhooks, notification sinks, the agent's chat
endpoint).

``httpx.post`` and friends build a client per call, and each client a fresh ``ssl.SSLContext``, which loads and
parses the whole CA bundle: about 25 ms of CPU, more than the rest of a loopback request. A workflow that asks a VLM
or posts a webhook per image paid that per image. The context is the one httpx would build (certifi's bundle, or
``SSL_CERT_FILE``/``SSL_CERT_DIR`` as set when it is first needed), made once; ``ssl.SSLContext`` is safe to share
between threads and clients.
"""

from __future__ import annotations

import functools
import ssl


@functools.cache
def ssl_context() -> ssl.SSLContext:
    """The process's verifying TLS context, for ``httpx``'s ``verify=``."""
    import httpx  # with its certifi bundle: loaded on the first outbound call, not when seglab is imported

    return httpx.create_ssl_context()
