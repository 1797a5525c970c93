import FlashscanCLI

FlashscanCommand.main()
