"""The Case: channels, categories, routing, workflow, SLA clocks, attachments and tracking numbers."""
