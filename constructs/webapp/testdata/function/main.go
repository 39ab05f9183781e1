// A stand-in function for the construct's tests: the construct only needs a
// Go main package to build.
package main

func main() {}
