"""Handoff to human agents (转人工): a durable queue and conversation store in Redis, and
the services around it.

Pure parts (`model`, `policy`, `settings`, `codec`, `views`, `incoming`) decide priorities,
the serving shop, waiting estimates, when a buyer hears about their place in line again,
which agent is next, and what the context card and buttons show. The stores do the Redis
I/O, one concern each over one `backend.HandoffBackend` (`conversations`, `queue_store`,
`agents`, `message_log`, `relay_store`; bundled by `stores.handoff_stores`), with every
multi-key change in a Lua script (`*.lua` beside them) so a process killed between two
commands never leaves half a handoff behind.

The services the handlers call are `buyer_desk.BuyerDesk` (hand off, relay, cancel, rate)
and `agent_desk.AgentDesk` (take, reply, quick reply, transfer, finish, presence). They
share `notifier.Notifier` (render and send to a topic or a buyer what a contract of
`messages` built: one function per `handoff/`, `agents/` and `quick/` template), `topics.Topics` (a
conversation's forum topic and context card), `assignment.Assigner` (auto-assign, waiting
estimates) and `relays.RelayWorker` (delivering logged messages, propagating edits). The
background (`bot.runtime.background`) runs the relay worker, `queue_watch.QueueWatcher`
and the SLA alerts that `sla_notices.SlaAlertPresenter` shows in topics.
"""
