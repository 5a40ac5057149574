// execlib: a shared library linked with -z execstack (dlopen must make
// the stack executable to load it).
int execlib_answer(void) { return 42; }
