"""Conversation and inbox: comments with @mentions on any item of a train (features, dependencies,
risks, impediments), and each person's inbox of what concerns them, with an optional e-mail digest.

Trains is the bottom layer, so these pieces are generic: an item is a content type and an id, and
the apps above register which of their models take comments (`registry.commentable`) in their
AppConfig.ready. They then call these services downward (planning: a string turned red; risks: an
impediment escalated, a risk due). The models are trains.models.Comment and InboxItem.
"""
