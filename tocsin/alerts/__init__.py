"""Alerts: rules that turn flagged items, bursts, spreading texts and stale sources into messages that
arrive once (an outbox with idempotency keys, retries, dead letters), grouped, repeated and silenced in
the manner of Alertmanager.

- :func:`raise_item_alerts` — item alerts for freshly saved analyses (``analyse_pending(on_batch_saved=…)``).
- :func:`evaluate_rules` — spike, spread and stale-source rules, and due repeats.
- :func:`deliver_due` — sends what is due to the console, a JSONL file, a webhook or e-mail.
"""

from tocsin.alerts.delivery import DeliverySummary, deliver_due
from tocsin.alerts.engine import evaluate_rules, raise_item_alerts
from tocsin.alerts.status import status_lines
from tocsin.alerts.transports import TransportError

__all__ = ["DeliverySummary", "TransportError", "deliver_due", "evaluate_rules", "raise_item_alerts", "status_lines"]
