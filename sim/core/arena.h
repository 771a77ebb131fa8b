/* arena.h: a bump allocator for jansson, reset after every request: parsing a 100-contact body
 * then costs a few pointer bumps instead of thousands of malloc/free pairs. Nothing jansson
 * allocates may outlive the request (contacts keep their fields as text, see account.h).
 * Builds with AddressSanitizer leave jansson on malloc, so misuse stays visible. */
#ifndef SIM_ARENA_H
#define SIM_ARENA_H

/* Routes jansson's allocations to the arena. Call once, before any jansson call. */
void arena_install(void);
/* Forgets everything allocated since the last reset (keeps a little memory for reuse). */
void arena_reset(void);
/* Frees text that jansson allocated (json_dumps): with jansson's own free function, whichever
 * allocator is installed. */
void arena_json_free(void *p);
/* Frees all the arena's memory (at exit). */
void arena_release(void);

#endif
