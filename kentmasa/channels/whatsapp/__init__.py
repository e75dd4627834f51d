"""WhatsApp through Meta's Cloud API: the webhook citizens' messages arrive on, and the replies.

The package, one module per part:

* ``conf`` — settings (``KENTMASA_WHATSAPP``, ``WHATSAPP_*``) and Meta's limits; the Graph API version;
* ``graph`` — the Graph API calls and what its errors mean (retry, refused token, closed window);
* ``parse`` — a webhook delivery read into messages and statuses, each message standing alone;
* ``views`` — the webhook: Meta's handshake, the signature, 200 / 400 / 403 / 503;
* ``intake`` — messages into cases (threading, media, late locations, edits, number changes);
* ``statuses`` — sent / delivered / read / failed on our messages;
* ``sender`` — :class:`~kentmasa.channels.whatsapp.sender.WhatsAppSender`, the answers;
* ``collage`` — the before/after picture sent when a photographed problem is fixed;
* ``tasks`` — fetching media Graph could not hand over at the time.
"""
