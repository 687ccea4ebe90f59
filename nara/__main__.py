"""`python -m nara`: the same as the `nara` console script."""

from nara.cli import main

main()
