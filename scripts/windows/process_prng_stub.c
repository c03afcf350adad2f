/* For the Wine smoke test only (scripts/smoke.sh), never shipped.
 *
 * Rust's standard library gets random bytes on Windows from ProcessPrng in
 * bcryptprimitives.dll (Windows 10 and later). Wine 8 has no such DLL, so
 * the smoke test puts this stub beside casedesk.exe: it answers ProcessPrng
 * with RtlGenRandom (SystemFunction036 in advapi32), which Wine has. */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
    while (length > 0) {
        ULONG chunk = length > 0x10000000 ? 0x10000000 : (ULONG)length;
        if (!SystemFunction036(data, chunk)) {
            return FALSE;
        }
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}
