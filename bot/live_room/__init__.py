"""The live room: the product on stage and gathering identical answers into one message,
shared by every worker through Redis (`messages` holds the contracts of the room's texts
and of the `/now` replies)."""
