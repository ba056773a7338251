"""Who may do what with the monthly feedback forms (``logistics.policy``'s rule set). The respondents need no
account: their link is their permission (``feedback.services.request_for_token``)."""

from __future__ import annotations

from logistics import policy

policy.add("feedback.manage", policy.is_office_staff)  # issue the month's forms, remind, edit forms
