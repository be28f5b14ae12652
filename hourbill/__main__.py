from hourbill.main import main

main()
