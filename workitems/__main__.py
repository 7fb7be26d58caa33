from workitems.cli import main

main()
