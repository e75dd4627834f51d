"""X (Twitter): mentions and direct messages through the Account Activity webhook, answers in the thread.

Intake (:mod:`.views`, :mod:`.parse`, :mod:`.intake`). X calls ``/kanal/x/webhook/``:

* ``GET ?crc_token=…``: the challenge-response check X makes when the webhook is registered and then
  regularly. We answer with the token's HMAC-SHA256 under the app's consumer secret, which proves we hold it.
* ``POST``: the activity of a subscribed account (``for_user_id``, one of ours), signed with the same secret
  over the raw body in ``x-twitter-webhooks-signature``. A delivery without a valid signature gets 403 and
  writes nothing; one we cannot read gets 400 and writes nothing.

A tweet that mentions our account (``tweet_create_events``) opens a case (its message is
``tweet:<tweet id>@<our account id>``, our public replies ``tweet:<tweet id>``); the author's later tweets
in that conversation thread onto it. A direct message (``direct_message_events``) opens a case, or threads
onto the sender's active case (or the case whose tracking number it quotes), ``dm:<id>``. Our own tweets
and DMs, retweets and everything else X reports (likes, follows, typing…) are ignored. A delivery X sends
again finds its messages already recorded and changes nothing.

Photos (:mod:`.media`) are fetched before the case is written; one X does not hand over is kept as pending
on the message, shown to staff on the case, and fetched again by the periodic task
``fetch_pending_x_media`` until it comes or the tries run out.

Reply (:mod:`.sender`, :mod:`.client`). :class:`~.sender.XSender` answers where the case
began: a public mention gets a public reply in its thread carrying only the tracking number and a fixed
status line (never a name, a number, an address or the unit's free text), a DM the full templated text by
DM. X refuses an app-only Bearer token for both: replies are signed in user context, OAuth 1.0a (consumer
key and secret with the account's access token and secret, signed by requests-oauthlib) or an OAuth 2.0
user token.

Settings: :func:`.options.config`.
"""
