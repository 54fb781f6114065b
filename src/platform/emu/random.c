/*
 * random.c -- the randomness source of a MigTD running as a Linux process.
 *
 * On TDX hardware randomness comes from RDSEED/RDRAND inside the TD
 * (platform/tdx); a MigTD process on the emulated platform uses the
 * kernel's CSPRNG, which plays the same role. mbedTLS's PSA core draws all
 * its randomness (ECDHE shares, ECDSA nonces, key generation) from here
 * because the build enables MBEDTLS_PSA_CRYPTO_EXTERNAL_RNG.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/random.h>

#include <psa/crypto.h>

psa_status_t mbedtls_psa_external_get_random(mbedtls_psa_external_random_context_t *context,
					     uint8_t *output, size_t output_size,
					     size_t *output_length);

psa_status_t mbedtls_psa_external_get_random(mbedtls_psa_external_random_context_t *context,
					     uint8_t *output, size_t output_size,
					     size_t *output_length)
{
	size_t done = 0;

	(void)context;
	while (done < output_size) {
		ssize_t n = getrandom(output + done, output_size - done, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			*output_length = done;
			return PSA_ERROR_INSUFFICIENT_ENTROPY;
		}
		done += (size_t)n;
	}
	*output_length = done;
	return PSA_SUCCESS;
}
