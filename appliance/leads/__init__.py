"""Leads after the call: the outbox, the delivery channels (webhook, mail) and their worker.

A lead is stored by the call's records writer together with one outbox row per configured
channel (``appliance.call.records.CallRecords.add_lead``); ``DeliveryWorker`` sends them,
retrying with backoff across restarts.  The console's leads page reads the same tables
(``appliance.leads.store``).
"""
