"""A Twilio-compatible SMS provider on loopback, with simulated phones and injectable faults.

It never imports the app: the demo and the integration tests drive the app against it exactly as
they would against the real provider.
"""
