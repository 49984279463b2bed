/*
 * todo.h - what a hole in the starter code returns until it is filled in.
 *
 * Every function that chapter's starter leaves for you to write has the
 * body "return not_implemented(__func__);". The call says so on stderr and
 * returns -ENOSYS, so the tests can report "not implemented yet: <function>"
 * instead of crashing or hanging. The reference solution includes this file
 * too, so the two trees differ only inside the holes.
 *
 * Interface:
 *   not_implemented       report the unwritten FUNCTION once; return -ENOSYS
 *   not_implemented_last  the hole whose stub ran last, or NULL: how a test
 *                         names the hole it met, rather than guess
 */
#ifndef TODO_H
#define TODO_H

int not_implemented(const char *function);
const char *not_implemented_last(void);

#endif
