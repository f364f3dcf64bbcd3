"""After-sales: returns and exchanges decided by each shop's policy, registered in Redis.

`policy` (the data ops edit), `decision` (pure: what the policy says for one request),
`cases` (the registration store), `service` (what the chat form calls), `reviews`.
"""
