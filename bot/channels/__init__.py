"""Custom Rasa input/output channels (registered in credentials.yml).

- ``bot.channels.whatsapp.WhatsAppInput``: WhatsApp Business Cloud API webhook, served by
  Rasa at ``/webhooks/whatsapp/webhook`` (see docs/whatsapp.md).
"""
