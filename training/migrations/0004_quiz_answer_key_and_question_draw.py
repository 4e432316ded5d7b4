import django.core.validators
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('training', '0003_registration_moved_to_its_own_app'),
    ]

    operations = [
        migrations.AddField(
            model_name='quiz',
            name='questions_per_attempt',
            field=models.PositiveSmallIntegerField(
                blank=True,
                help_text='Empty: every question in the bank. A smaller number draws that many questions for each attempt, preferring questions the participant has not been asked yet.',
                null=True,
                validators=[django.core.validators.MinValueValidator(1)],
                verbose_name='questions per attempt',
            ),
        ),
        migrations.AddField(
            model_name='quiz',
            name='show_answers',
            field=models.CharField(
                choices=[
                    ('after_last', 'After the last attempt or when the quiz closes'),
                    ('after_each', 'After each attempt'),
                    ('never', 'Never show them'),
                ],
                default='after_last',
                help_text='While a participant may still try again, the answer key stays hidden unless you choose “After each attempt”.',
                max_length=16,
                verbose_name='show answers and explanations',
            ),
        ),
        migrations.AddConstraint(
            model_name='quiz',
            constraint=models.CheckConstraint(
                condition=models.Q(('questions_per_attempt__isnull', True), ('questions_per_attempt__gte', 1), _connector='OR'),
                name='quiz_asks_at_least_one_question',
            ),
        ),
        migrations.AlterField(
            model_name='question',
            name='explanation',
            field=models.TextField(blank=True, help_text="Shown with the answer key, when the quiz's setting allows.", verbose_name='explanation'),
        ),
    ]
