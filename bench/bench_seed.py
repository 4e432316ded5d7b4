"""How long the demo seed takes (2,660 registrations), against creating the same rows with bulk_create alone."""

TITLE = "Demo seed (2,660 registrations)"


def run():
    from bench.common import setup_django, timed

    setup_django()
    from django.db import transaction

    from meetings.demo import DEMO_SLUG
    from meetings.models import Session
    from registration.models import Registration
    from training.demo import seed_demo

    def fresh_seed():
        Session.objects.all().delete()
        return seed_demo()

    seed_median, seed_all, _ = timed(fresh_seed, repeat=3)
    session = Session.objects.get(slug=DEMO_SLUG)
    template = list(Registration.objects.filter(session=session).values())

    def bare_insert():
        with transaction.atomic():
            Registration.objects.filter(session=session).delete()
            Registration.objects.bulk_create(
                [Registration(**{**row, "id": None, "token_key": f"k{i}"}) for i, row in enumerate(template)],
                batch_size=500,
            )

    bare_median, bare_all, _ = timed(bare_insert, repeat=3)
    return (
        "| what | median (s) | runs |\n| --- | ---: | --- |\n"
        f"| `seed_demo` from empty (session, 78 venues, 154 quotas, 2,660 registrations, the morning's check-ins, the day's quiz attempts and certificates, the rehearsal) | {seed_median:.2f} | {', '.join(f'{t:.2f}' for t in seed_all)} |\n"
        f"| baseline: `bulk_create` of the same 2,660 rows | {bare_median:.2f} | {', '.join(f'{t:.2f}' for t in bare_all)} |\n\n"
        f"Ratio seed / bare insert: **{seed_median / bare_median:.1f}×**.\n"
    )
