import FlashscanCLI

FlashscanCommand.runAndExit()
