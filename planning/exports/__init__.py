"""Plans and portfolio views leaving ChaSen as documents.

- :func:`plan_markdown` and :func:`plan_pdf`: a whole plan, its five steps and every section.
- :func:`snapshot_pdf`: the one-page Success Snapshot of an account.
- :func:`territory_pdf`: a territory's performance for a fiscal year.

Domain code: callers pass the session and the person, and the permission checks happen here.
"""

from planning.exports.markdown import plan_markdown
from planning.exports.outline import plan_filename, plan_title
from planning.exports.plan_pdf import plan_pdf
from planning.exports.snapshot import snapshot_filename, snapshot_pdf
from planning.exports.territory_pdf import territory_filename, territory_pdf

__all__ = [
    "plan_filename",
    "plan_markdown",
    "plan_pdf",
    "plan_title",
    "snapshot_filename",
    "snapshot_pdf",
    "territory_filename",
    "territory_pdf",
]
