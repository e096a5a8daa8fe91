from readq.cli import main

main()
