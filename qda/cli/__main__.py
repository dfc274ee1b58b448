from qda.cli import main

main()
