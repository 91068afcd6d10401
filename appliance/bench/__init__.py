"""The latency and capacity benchmark (``appliance bench``) and its baseline call handler.

``runner`` starts the service as a separate process, places concurrent scripted calls and
collects what the caller measured plus the service's own timings; ``baseline`` is the
record-then-answer pipeline the streaming conversation is compared against; ``report``
turns the figures into the table, ``bench/latest.json`` and the chart.
"""
