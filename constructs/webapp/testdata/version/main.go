// A function for the build-option tests: -X main.version sets what it
// prints, and the webapptest tag chooses its mode.
package main

var version = "unset"

func main() { println(version, mode) }
