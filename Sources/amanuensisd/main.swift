import AmanuensisDaemon

// The daemon is a library (AmanuensisDaemon) so that the tests can import it
// while this program alone links the Swift runtime statically (Package.swift).
Daemon.main()
