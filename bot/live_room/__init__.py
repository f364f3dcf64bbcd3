"""The live room: the product on stage and gathering identical answers into one message
(`messages` holds the contracts of the room's texts and of the `/now` replies)."""
