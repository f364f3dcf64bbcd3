"""The live room: the product on stage and gathering identical answers into one message."""
