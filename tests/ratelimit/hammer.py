"""Subprocess for the multi-process acceptance test: N threads hammer one key, print results.

``python -m tests.ratelimit.hammer <client-id> <threads> <requests-per-thread> <start-at>``
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time


def main() -> None:
    client_id, threads, per_thread, start_at = sys.argv[1], *map(int, sys.argv[2:4]), sys.argv[4]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.test import Client

    settings.ROOT_URLCONF = "tests.ratelimit.urls"
    results: list[dict[str, object]] = []
    lock = threading.Lock()
    # Both processes start at the same wall-clock instant so their requests really interleave.
    time.sleep(max(0.0, min(10.0, float(start_at) - time.time())))

    def worker() -> None:
        client = Client()
        for _ in range(per_thread):
            response = client.get("/hammer/", HTTP_X_CLIENT=client_id)
            row = {
                "status": response.status_code,
                "limit": response.get("X-RateLimit-Limit"),
                "remaining": response.get("X-RateLimit-Remaining"),
                "retry_after": response.get("Retry-After"),
                "code": response.json().get("error", {}).get("code")
                if response.status_code == 429
                else None,
            }
            with lock:
                results.append(row)

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join(60)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
