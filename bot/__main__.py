"""`python -m bot` is the same as the `livedesk` console script."""

from bot.cli import main

if __name__ == "__main__":
    main()
