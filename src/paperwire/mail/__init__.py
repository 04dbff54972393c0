"""Mail: composing (pure, templates as files), tokens in links, transports, the outbox and its senders."""
