"""Custom Rasa input/output channels (registered in credentials.yml).

- ``bot.rasa_plugins.channels.rest.SafeRestInput``: the REST channel with limits and fault
  answers, served at ``/webhooks/rest/webhook`` (the web app's chat proxy talks to it);
- ``bot.rasa_plugins.channels.whatsapp.WhatsAppInput``: WhatsApp Business Cloud API webhook,
  served by Rasa at ``/webhooks/whatsapp/webhook`` (see docs/whatsapp.md).

What both channels share (reading a body up to a limit, the action-server probe, the fault
text with a phone route) is in ``bot.rasa_plugins.channels.shared``; what every channel
shares with the web app (limits, the crisis safety net, sender ids) is in
bot/ops/gate/.
"""
