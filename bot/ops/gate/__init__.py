"""What every front door shares: the Rasa channels (bot/rasa_plugins/channels/) and the web
app's chat proxy (bot/webapp/chat_proxy.py).

Message length and rate limits (``limits.py``, ``rate_limits.py``), the client address behind
trusted proxies (``client_address.py``), the proxy's shared secret (``proxy_auth.py``),
conversation-id namespaces per channel (``sender_ids.py``), cleaning a message
(``text_clean.py``) and the crisis numbers when the bot itself cannot answer
(``safety_net.py``); the residents' texts for these faults are in ``limits_texts.yml``.
It lives in ops so that the channels and the web app share it without importing each other.
"""
