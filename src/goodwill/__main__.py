from goodwill.launch import main

main()
