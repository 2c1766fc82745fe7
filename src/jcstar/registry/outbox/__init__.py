"""The durable outbox: notifications written in the same transaction as the label change that
causes them, then delivered (webhook, e-mail) by a worker, at least once."""
