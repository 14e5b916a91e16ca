"""A data diff as JSON: every leaf and every sample change, for tools and the report artifact."""

from __future__ import annotations

import json

from labtax.datadiff import DataDiff

# 2: usage counts `answers` (cached ones included), `new_calls` and `pending` were added.
# 3: `outdated_base`, the leaves whose base data is of an older format.
SCHEMA_VERSION = 3


def render(diff: DataDiff) -> str:
    document = {"labtax_data_diff": SCHEMA_VERSION, **diff.as_dict()}
    # ASCII escapes keep invisible and bidirectional characters visible in any viewer.
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=True) + "\n"
